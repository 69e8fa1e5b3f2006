import type { IDestination, IEventSourceDlq } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';

/**
 * An SQS queue as a function's failure destination: an event source
 * mapping's on-failure destination or an asynchronous invocation's.
 *
 * Unlike `SqsDlq` and `SqsDestination`, it grants nothing: those add
 * `sqs:GetQueueAttributes` and `sqs:GetQueueUrl`, which Lambda does not need
 * ("For an SQS destination: sqs:SendMessage",
 * https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html);
 * the function's role holds `sqs:SendMessage` from its permissions
 * (`OnFailureDestination` in src/adapters/driving/lambda/permissions.ts).
 */
export class QueueFailureDestination implements IDestination, IEventSourceDlq {
  constructor(private readonly queue: IQueue) {}

  bind(): { readonly destination: string } {
    return { destination: this.queue.queueArn };
  }
}
