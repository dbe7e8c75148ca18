import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * The CloudWatch namespace and names of the custom metrics the handlers emit through Powertools
 * Metrics. Kept next to the alarms that read them; the handlers take the namespace from the
 * `POWERTOOLS_METRICS_NAMESPACE` variable the construct sets.
 */
export const METRICS_NAMESPACE = 'Quartermaster';
/** Settled spend plus what running jobs have accrued, as a fraction of the team's monthly budget (0–1+), per team; published by reconcile. */
export const BUDGET_USED_METRIC = 'BudgetUsedFraction';
/** Fraction of the budget at which the burn alarm fires. */
export const BUDGET_ALARM_THRESHOLD = 0.9;

export interface MonitoringProps {
  readonly namePrefix: string;
  readonly topic: ITopic;
  readonly queues: Readonly<Record<string, IQueue>>;
  readonly deadLetterQueues: Readonly<Record<string, IQueue>>;
  readonly functions: Readonly<Record<string, IFunction>>;
  readonly teams: readonly string[];
  /**
   * Counts changed or removed job events (the events table's tamper function invocations).
   * @default - no tamper alarm
   */
  readonly tamperedEvents?: IMetric;
}

/**
 * Alarms (each notifying the topic) and one dashboard: a message in any DLQ, any handler error,
 * a team's budget nearing its limit, and any job event changed or removed.
 */
export class Monitoring extends Construct {
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const action = new SnsAction(props.topic);
    const add = (alarm: Alarm) => {
      alarm.addAlarmAction(action);
      this.alarms.push(alarm);
    };

    for (const [key, dlq] of Object.entries(props.deadLetterQueues)) {
      add(
        new Alarm(this, `${key}DeadLetters`, {
          alarmDescription: `A message reached the ${key} dead-letter queue: it failed every delivery. Inspect and redrive it.`,
          metric: dlq.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(1),
            statistic: 'Maximum',
          }),
          threshold: 0,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    for (const [name, fn] of Object.entries(props.functions)) {
      add(
        new Alarm(this, `${name}Errors`, {
          alarmDescription: `The ${name} function failed an invocation (an uncaught error, a timeout or a crash).`,
          metric: fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
          threshold: 0,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    const budgetMetric = (team: string) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: BUDGET_USED_METRIC,
        dimensionsMap: { team },
        period: Duration.minutes(15),
        statistic: 'Maximum',
      });
    for (const team of props.teams) {
      add(
        new Alarm(this, `Budget-${team}`, {
          alarmDescription: `Team ${team} has spent (settled plus accrued by running jobs) more than ${BUDGET_ALARM_THRESHOLD * 100}% of this month's budget.`,
          metric: budgetMetric(team),
          threshold: BUDGET_ALARM_THRESHOLD,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    if (props.tamperedEvents !== undefined) {
      add(
        new Alarm(this, 'EventsTampered', {
          alarmDescription:
            'A job event was changed or removed on the append-only events table (a MODIFY or REMOVE stream record). ' +
            'Nothing in the service does that: find the writer in CloudTrail, read the old image in the events-tamper-alarm logs, and run qm audit verify.',
          metric: props.tamperedEvents,
          threshold: 0,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `${props.namePrefix}-overview` });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# ${props.namePrefix}\nQueues, handlers and budgets. Alarms notify the alarm topic.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Messages waiting',
        left: Object.values(props.queues).map((q) => q.metricApproximateNumberOfMessagesVisible()),
        width: 12,
      }),
      new GraphWidget({
        title: 'Dead letters',
        left: Object.values(props.deadLetterQueues).map((q) => q.metricApproximateNumberOfMessagesVisible()),
        width: 12,
      }),
    );
    const fns = Object.values(props.functions);
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Errors', left: fns.map((f) => f.metricErrors()), width: 8 }),
      new GraphWidget({
        title: 'Duration p99',
        left: fns.map((f) => f.metricDuration({ statistic: 'p99' })),
        width: 8,
      }),
      new GraphWidget({ title: 'Throttles', left: fns.map((f) => f.metricThrottles()), width: 8 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Budget used (fraction of month)',
        left: props.teams.map(budgetMetric),
        leftAnnotations: [{ value: BUDGET_ALARM_THRESHOLD, label: 'alarm' }],
        width: 24,
      }),
    );
  }
}
