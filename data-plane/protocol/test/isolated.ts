/**
 * Runs a snippet against one of the package's modules in a child process (tap's TypeScript
 * loader, the same sources) and kills it when it does not answer within `limitMs` of loading
 * the module: how a test shows that something does not hang.
 */
import { spawn } from 'node:child_process';

export interface Isolated {
  readonly outcome: 'ok' | 'hung' | 'error';
  readonly value?: unknown;
  readonly output: string;
}

/** `modulePath` is resolved against `baseUrl` (the test's import.meta.url); the body sees the module as `P`. */
export function runIsolated(baseUrl: string, modulePath: string, body: string, env: Record<string, string> = {}, limitMs = 3000): Promise<Isolated> {
  const url = new URL(modulePath, baseUrl).href;
  const script = `const P = await import(${JSON.stringify(url)});\nprocess.stdout.write('ready\\n');\nconst value = await (async () => { ${body} })();\nprocess.stdout.write('result ' + JSON.stringify(value) + '\\n');`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let output = '';
    let outcome: Isolated['outcome'] = 'error';
    let value: unknown;
    const kill = (): void => {
      outcome = 'hung';
      child.kill('SIGKILL');
    };
    let timer = setTimeout(kill, 60_000);
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes('ready\n') && !output.includes('result ')) {
        clearTimeout(timer);
        timer = setTimeout(kill, limitMs);
      }
      const m = /result (.*)\n/.exec(output);
      if (m) {
        outcome = 'ok';
        value = JSON.parse(m[1]!) as unknown;
      }
    });
    child.on('close', () => {
      clearTimeout(timer);
      resolve({ outcome, value, output });
    });
  });
}
