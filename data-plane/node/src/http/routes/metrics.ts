/**
 * GET /metrics in the Prometheus text format. A ledger node has one registry per channel (the
 * same metric names, told apart by their `channel` label) plus the process's; families are
 * merged by name so each appears once, as the text format requires.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { MetricObjectWithValues, MetricValue, Registry } from 'prom-client';

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

export async function renderRegistries(registries: readonly Registry[]): Promise<string> {
  if (registries.length === 1) return registries[0]!.metrics();
  const families = new Map<string, { help: string; type: string; lines: string[] }>();
  for (const r of registries) {
    for (const m of (await r.getMetricsAsJSON()) as MetricObjectWithValues<MetricValue<string>>[]) {
      let f = families.get(m.name);
      if (f === undefined) {
        f = { help: m.help, type: String(m.type), lines: [] };
        families.set(m.name, f);
      }
      for (const v of m.values) {
        const name = (v as { metricName?: string }).metricName ?? m.name;
        const labels = Object.entries(v.labels)
          .filter(([, l]) => l !== undefined)
          .map(([k, l]) => `${k}="${escapeLabel(String(l))}"`)
          .join(',');
        f.lines.push(`${name}${labels === '' ? '' : `{${labels}}`} ${formatValue(v.value)}`);
      }
    }
  }
  let out = '';
  for (const [name, f] of families) out += `# HELP ${name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${f.type}\n${f.lines.join('\n')}${f.lines.length > 0 ? '\n' : ''}`;
  return out;
}

export const metricsRoutes: FastifyPluginAsync<{ registries: () => readonly Registry[] }> = async (app, { registries }) => {
  app.get('/metrics', async (_req, reply) => {
    const rs = registries();
    return reply.type(rs[0]!.contentType).send(await renderRegistries(rs));
  });
};
