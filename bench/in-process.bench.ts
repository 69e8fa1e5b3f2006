/**
 * In-process cost: microseconds per start with the in-memory adapters, versus
 * the irreducible work of a start done by hand (serialise the input, store an
 * execution, update a record) with no validation, naming or container.
 */
import { Orchestrator, createContainer, type NewBuild } from '../src/index.js';
import { InMemoryBuildRepository, InMemoryExecutionStarter, RecordingLogger } from '../src/testing.js';
import type { Comparison } from './lib/results.js';
import { compare } from './lib/stats.js';
import { aBenchBuild, inputOf, STATE_MACHINE_ARN } from './lib/workload.js';

const ROUNDS = 15;
const STARTS_PER_ROUND = 2000;

export async function inProcessCost(): Promise<Comparison[]> {
  const total = (ROUNDS + 1) * STARTS_PER_ROUND;
  const buildRepository = new InMemoryBuildRepository();
  const executionStarter = new InMemoryExecutionStarter({ stateMachineArn: STATE_MACHINE_ARN });
  const orchestrator = createContainer({ buildRepository, executionStarter, logger: new RecordingLogger() }).get(Orchestrator);
  const subjectBuilds: NewBuild[] = [];
  for (let i = 0; i < total; i += 1) subjectBuilds.push(await buildRepository.create(aBenchBuild()));

  const handExecutions = new Map<string, string>();
  const handRecords = new Map<string, { status: string; executionArn?: string }>();
  const baselineBuilds = Array.from({ length: total }, () => aBenchBuild());
  for (const build of baselineBuilds) handRecords.set(`${build.repo}/${build.env}:${build.sk}`, { status: 'PENDING' });

  const timing = await compare(
    { rounds: ROUNDS, operationsPerRound: STARTS_PER_ROUND },
    async (i) => {
      const build = baselineBuilds[i - 1]!;
      const name = `${build.repo}-${build.env}-${build.sk}`;
      handExecutions.set(name, JSON.stringify(inputOf(build)));
      const record = handRecords.get(`${build.repo}/${build.env}:${build.sk}`)!;
      if (record.status === 'PENDING') Object.assign(record, { status: 'IN_PROGRESS', executionArn: `arn:${name}` });
    },
    (i) => orchestrator.startExecution(inputOf(subjectBuilds[i - 1]!)),
  );
  const toMicroseconds = (summary: typeof timing.baseline) => ({
    ...summary,
    median: summary.median * 1000,
    p25: summary.p25 * 1000,
    p75: summary.p75 * 1000,
  });
  return [
    {
      benchmark: 'in-process cost (in-memory adapters)',
      unit: 'µs/start',
      baseline: { name: 'hand-written start, no module code', summary: toMicroseconds(timing.baseline) },
      subject: { name: 'Orchestrator.startExecution', summary: toMicroseconds(timing.subject) },
      ratio: timing.ratio,
    },
  ];
}
