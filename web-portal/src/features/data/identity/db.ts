/**
 * The portal's IndexedDB database: what stays in this browser and nowhere else. `identities`
 * holds each user's self-custody keys (encrypted under a non-extractable WebCrypto key kept next
 * to them, see keystore.ts); `receipts` the voting receipts of this browser's votes.
 */
export const DB_NAME = 'konsortium';
const DB_VERSION = 1;
export type StoreName = 'identities' | 'receipts';

const opened = new Map<string, Promise<IDBDatabase>>();

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

/** Opens (and creates or upgrades) the database; one connection per name for the page's life. */
export function openDb(name = DB_NAME): Promise<IDBDatabase> {
  let p = opened.get(name);
  if (p === undefined) {
    p = new Promise<IDBDatabase>((resolve, reject) => {
      if (typeof indexedDB === 'undefined') {
        reject(Object.assign(new Error('this browser keeps no local database (IndexedDB is off)'), { code: 'NO_LOCAL_STORAGE' }));
        return;
      }
      const r = indexedDB.open(name, DB_VERSION);
      r.onupgradeneeded = () => {
        const db = r.result;
        if (!db.objectStoreNames.contains('identities')) db.createObjectStore('identities', { keyPath: 'userId' });
        if (!db.objectStoreNames.contains('receipts')) db.createObjectStore('receipts', { keyPath: 'id' });
      };
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(Object.assign(new Error(r.error?.message ?? 'IndexedDB could not be opened'), { code: 'NO_LOCAL_STORAGE' }));
      r.onblocked = () => reject(Object.assign(new Error('the local database is open in an older tab; close it and try again'), { code: 'NO_LOCAL_STORAGE' }));
    });
    p.catch(() => opened.delete(name));
    opened.set(name, p);
  }
  return p;
}

export async function dbGet<T>(store: StoreName, key: string, name = DB_NAME): Promise<T | undefined> {
  const db = await openDb(name);
  return (await request(db.transaction(store, 'readonly').objectStore(store).get(key))) as T | undefined;
}

export async function dbPut<T>(store: StoreName, value: T, name = DB_NAME): Promise<void> {
  const db = await openDb(name);
  const tx = db.transaction(store, 'readwrite');
  tx.objectStore(store).put(value);
  await new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB write failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB write aborted'));
  });
}

export async function dbDelete(store: StoreName, key: string, name = DB_NAME): Promise<void> {
  const db = await openDb(name);
  const tx = db.transaction(store, 'readwrite');
  tx.objectStore(store).delete(key);
  await new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB delete failed'));
  });
}

export async function dbAll<T>(store: StoreName, name = DB_NAME): Promise<T[]> {
  const db = await openDb(name);
  return (await request(db.transaction(store, 'readonly').objectStore(store).getAll())) as T[];
}
