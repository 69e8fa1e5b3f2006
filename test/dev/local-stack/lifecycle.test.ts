// What the live output reads off stream records: build status changes (a
// build beginning to wait included) and environment lock changes.
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { lifecycleChangeOf, lockChangeOf } from '../../../dev/local-stack/lifecycle.js';

type Image = Record<string, AttributeValue>;

function record(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', keys: { pk: string; sk: string }, images: { old?: Image; new?: Image }): DynamoDBRecord {
  const Keys = { pk: { S: keys.pk }, sk: { S: keys.sk } };
  return {
    eventName,
    dynamodb: {
      Keys,
      ...(images.new === undefined ? {} : { NewImage: { ...Keys, ...images.new } }),
      ...(images.old === undefined ? {} : { OldImage: { ...Keys, ...images.old } }),
      SequenceNumber: '100',
    },
  };
}

const build = { pk: 'web/dev', sk: '3MfB' };
const lock = { pk: 'lock', sk: 'web/dev' };

describe('lifecycleChangeOf', () => {
  it('reads a build beginning to wait: a PENDING build that records what it waits for', () => {
    const waits = record('MODIFY', build, {
      old: { status: { S: 'PENDING' } },
      new: { status: { S: 'PENDING' }, waiting_for: { S: 'web/dev:3MfA' }, updated_at: { N: '1795741200' } },
    });

    expect(lifecycleChangeOf(waits)).toEqual({
      buildId: 'web/dev:3MfB',
      from: 'PENDING',
      to: 'PENDING',
      at: new Date('2026-11-27T01:00:00Z'),
      waitingFor: 'web/dev:3MfA',
    });
  });

  it('says nothing of a write that keeps the status and what the build waits for', () => {
    const same = { status: { S: 'PENDING' }, waiting_for: { S: 'web/dev:3MfA' } };
    expect(lifecycleChangeOf(record('MODIFY', build, { old: same, new: same }))).toBeUndefined();
  });

  it('leaves the lock items to lockChangeOf', () => {
    expect(lifecycleChangeOf(record('INSERT', lock, { new: { holder: { S: '3MfA' }, policy: { S: 'queue' } } }))).toBeUndefined();
  });
});

describe('lockChangeOf', () => {
  it('reads a lock taken, handed over and released, naming the holder as a build id', () => {
    expect(lockChangeOf(record('INSERT', lock, { new: { holder: { S: '3MfA' }, policy: { S: 'queue' } } }))).toEqual({
      environment: 'web/dev',
      kind: 'taken',
      holder: 'web/dev:3MfA',
      policy: 'queue',
    });
    expect(lockChangeOf(record('MODIFY', lock, { old: { holder: { S: '3MfA' } }, new: { holder: { S: '3MfB' }, policy: { S: 'supersede' } } }))).toEqual({
      environment: 'web/dev',
      kind: 'handed-over',
      holder: 'web/dev:3MfB',
      previousHolder: 'web/dev:3MfA',
      policy: 'supersede',
    });
    expect(lockChangeOf(record('REMOVE', lock, { old: { holder: { S: '3MfB' }, policy: { S: 'queue' } } }))).toEqual({
      environment: 'web/dev',
      kind: 'released',
      holder: 'web/dev:3MfB',
      policy: 'queue',
    });
  });

  it('says nothing of other items, nor of a lock write that keeps its holder', () => {
    expect(lockChangeOf(record('REMOVE', build, { old: { status: { S: 'SUCCESS' } } }))).toBeUndefined();
    const held = { holder: { S: '3MfA' } };
    expect(lockChangeOf(record('MODIFY', lock, { old: held, new: held }))).toBeUndefined();
  });
});
