import { createHash } from 'node:crypto';
import type { SignCommand } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { KMS_RAW_MESSAGE_LIMIT, kmsDigestSigner } from '../../lambdas/adapters/kms-digest-signer.js';

/** A KMS client that records each Sign request and answers with a fixed signature. */
const recordingClient = () => {
  const inputs: SignCommand['input'][] = [];
  return {
    inputs,
    client: {
      send: async (command: SignCommand) => {
        inputs.push(command.input);
        return {
          Signature: new Uint8Array([1, 2, 3]),
          KeyId: 'arn:aws:kms:us-east-1:123456789012:key/k',
          SigningAlgorithm: 'ECDSA_SHA_256',
        };
      },
    } as never,
  };
};

describe('kmsDigestSigner', () => {
  it('sends a digest of up to 4,096 bytes as RAW, a longer one as its SHA-256 with MessageType DIGEST', async () => {
    const { client, inputs } = recordingClient();
    const signer = kmsDigestSigner(client, 'alias/qm-digests');
    const small = new Uint8Array(KMS_RAW_MESSAGE_LIMIT).fill(7);
    const large = new Uint8Array(KMS_RAW_MESSAGE_LIMIT + 1).fill(7);
    const signature = await signer.sign(small);
    await signer.sign(large);
    expect(signature).toEqual({
      signature: 'AQID',
      keyId: 'arn:aws:kms:us-east-1:123456789012:key/k',
      algorithm: 'ECDSA_SHA_256',
    });
    expect(inputs[0]).toMatchObject({
      KeyId: 'alias/qm-digests',
      MessageType: 'RAW',
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    expect(inputs[0]?.Message).toEqual(small);
    expect(inputs[1]).toMatchObject({ MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' });
    expect(Buffer.from(inputs[1]?.Message as Uint8Array)).toEqual(
      createHash('sha256').update(large).digest(),
    );
  });
});
