// A stand-in for STS on 127.0.0.1 that answers GetCallerIdentity as AWS does
// (the Query protocol's XML), so the CLI's real STS client can be pointed at it
// (`AWS_ENDPOINT_URL_STS`, or a client's `endpoint`) without an AWS account.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalSts {
  /** `http://127.0.0.1:{port}`. */
  readonly endpoint: string;
  /** How many GetCallerIdentity requests it answered (with the ARN or an error). */
  readonly calls: () => number;
  /** The ARN the next answers carry. */
  answerWith(arn: string): void;
  /** The next answers are this error (e.g. `InvalidClientTokenId`, 403), until `answerWith`. */
  failWith(code: string, message: string, status?: number): void;
  close(): Promise<void>;
}

const NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

export async function startLocalSts(arn = 'arn:aws:iam::123456789012:user/alice'): Promise<LocalSts> {
  let answer: { readonly arn: string } | { readonly code: string; readonly message: string; readonly status: number } = { arn };
  let calls = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const action = new URLSearchParams(body).get('Action');
      if (action !== 'GetCallerIdentity') {
        reply(response, 400, errorXml('InvalidAction', `This stand-in answers GetCallerIdentity only, not ${action ?? 'nothing'}`));
        return;
      }
      calls += 1;
      if ('code' in answer) reply(response, answer.status, errorXml(answer.code, answer.message));
      else reply(response, 200, identityXml(answer.arn));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls: () => calls,
    answerWith: (next) => (answer = { arn: next }),
    failWith: (code, message, status = 403) => (answer = { code, message, status }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function reply(response: ServerResponse, status: number, xml: string): void {
  response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': 'local-sts' });
  response.end(xml);
}

function identityXml(arn: string): string {
  const account = /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1] ?? '123456789012';
  return (
    `<GetCallerIdentityResponse xmlns="${NAMESPACE}"><GetCallerIdentityResult>` +
    `<Arn>${escapeXml(arn)}</Arn><UserId>AIDALOCALSTANDIN</UserId><Account>${account}</Account>` +
    '</GetCallerIdentityResult><ResponseMetadata><RequestId>local-sts</RequestId></ResponseMetadata></GetCallerIdentityResponse>'
  );
}

function errorXml(code: string, message: string): string {
  return (
    `<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>Sender</Type><Code>${escapeXml(code)}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error><RequestId>local-sts</RequestId></ErrorResponse>`
  );
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
