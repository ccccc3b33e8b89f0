/**
 * Which node requests the ledger gateway forwards. An allowlist, not a denylist: reads, submits
 * and blob uploads under `/v1`, and the node's probes; node administration (Raft membership,
 * leader transfer, snapshots, metrics, the channels' `/admin` prefix) never, whatever token the
 * caller holds. The node checks admin roles itself; refusing here too means a token minted with
 * the wrong roles by mistake still cannot reach them through the control plane.
 *
 * The check runs on the path the node will route: percent-decoded per segment (find-my-way
 * decodes everything but reserved characters, so `%61dmin` is `admin` on the node), with dot
 * segments and empty segments refused outright (URL parsing would fold them into another path
 * after the check).
 */

export type PathVerdict = { readonly ok: true } | { readonly ok: false; readonly status: 400 | 403; readonly reason: string };

/** Node probes served at the root. `/status` is a node's own Raft view where it has one. */
const ROOT_READS = new Set(['status', 'healthz', 'readyz']);
/** Administration right under `/v1` (a node without channels serves them there). */
const V1_ADMIN = new Set(['members', 'leader', 'snapshot', 'metrics', 'admin']);
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT']);

function refuse(reason: string): PathVerdict {
  return { ok: false, status: 403, reason };
}

/**
 * `path` is the raw (still percent-encoded) path after `/ledger/<id>`, without the query:
 * `/v1/channels/consortium/head`.
 */
export function checkNodePath(method: string, path: string): PathVerdict {
  if (!path.startsWith('/') || path.length < 2) return refuse('no node path given');
  const segments: string[] = [];
  for (const raw of path.slice(1).split('/')) {
    let s: string;
    try {
      s = decodeURIComponent(raw);
    } catch {
      return { ok: false, status: 400, reason: 'the path is not valid percent-encoding' };
    }
    if (raw === '' || s === '.' || s === '..' || s.includes('\\')) return { ok: false, status: 400, reason: 'empty, dot or backslash path segments are not forwarded' };
    segments.push(s.toLowerCase());
  }
  const m = method.toUpperCase();
  if (!METHODS.has(m)) return refuse(`${m} is not forwarded to nodes`);
  const [first, second, third, fourth] = segments;
  if (first !== 'v1') {
    if (segments.length === 1 && ROOT_READS.has(first!) && (m === 'GET' || m === 'HEAD')) return { ok: true };
    return refuse(`${m} ${path} is not forwarded to nodes (node administration or unknown)`);
  }
  if (second === undefined) return refuse('no node path given');
  if (V1_ADMIN.has(second)) return refuse(`${path} is node administration`);
  if (second === 'channels' && third !== undefined && fourth === 'admin') return refuse(`${path} is channel administration`);
  return { ok: true };
}
