import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Quartermaster } from './quartermaster.js';
import type { QuartermasterProps } from './quartermaster-props.js';

export interface QuartermasterStackProps extends StackProps {
  readonly quartermaster: QuartermasterProps;
}

/** A stack holding only the {@link Quartermaster} construct: what `npx cdk deploy` creates. */
export class QuartermasterStack extends Stack {
  readonly quartermaster: Quartermaster;

  constructor(scope: Construct, id: string, props: QuartermasterStackProps) {
    super(scope, id, props);
    this.quartermaster = new Quartermaster(this, 'Quartermaster', props.quartermaster);
  }
}
