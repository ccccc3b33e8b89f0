/** Registry reads several CFA screens make, reloaded on every new block. */
import { type CfaApplication, type CfaAsset, type CfaOffer, readCfaApplication, readCfaOffer, readCfaOfferBook, readCfaOwners } from '@konsortium/client';
import { useAsync } from '../../ui/use-async.js';
import { useCfa } from './context.js';

/** Applications read per placement (the contract allows 1000; a screen shows the first 200). */
export const MAX_APPLICATIONS = 200;
/** Open offers read per asset. */
export const MAX_OFFERS = 200;

/** Every application of the given assets (bounded per asset), in filing order. */
export function useApplications(assets: readonly CfaAsset[] | undefined) {
  const { client, channel, tick } = useCfa();
  const wanted = (assets ?? []).filter((a) => a.applications > 0).map((a) => `${a.code}:${a.applications}`);
  return useAsync<CfaApplication[]>(
    async (signal) => {
      const ids = wanted.flatMap((w) => {
        const [code, n] = w.split(':') as [string, string];
        return Array.from({ length: Math.min(Number(n), MAX_APPLICATIONS) }, (_, i) => `${code}/${i}`);
      });
      const entries = await Promise.all(ids.map((id) => readCfaApplication(client, channel, id, { signal })));
      return entries.map((e) => e.value).filter((a): a is CfaApplication => a !== null);
    },
    [client, channel, tick, wanted.join(',')],
  );
}

/** The open offers on the given assets. */
export function useOpenOffers(assets: readonly CfaAsset[] | undefined) {
  const { client, channel, tick } = useCfa();
  const codes = (assets ?? []).map((a) => a.code);
  return useAsync<CfaOffer[]>(
    async (signal) => {
      const books = await Promise.all(codes.map((c) => readCfaOfferBook(client, channel, c, { signal })));
      const ids = books.flatMap((b) => b.value.open.slice(0, MAX_OFFERS));
      const offers = await Promise.all(ids.map((id) => readCfaOffer(client, channel, id, { signal })));
      return offers.map((o) => o.value).filter((o): o is CfaOffer => o !== null && o.status === 'open');
    },
    [client, channel, tick, codes.join(',')],
  );
}

/** The holders registry of an asset at the head (undefined height) or at a block. */
export function useOwners(code: string, height?: number) {
  const { client, channel, tick } = useCfa();
  return useAsync((signal) => readCfaOwners(client, channel, code, { signal, ...(height === undefined ? {} : { height }) }), [client, channel, code, height, height === undefined ? tick : -1]);
}
