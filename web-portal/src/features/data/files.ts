/** Files in and out of the browser: reading with progress, saving bytes as a download, names and sizes. */

/** Reads a file into memory, reporting progress (0..1); aborts with the signal. */
export function readFileWithProgress(file: Blob, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    const abort = () => reader.abort();
    signal?.addEventListener('abort', abort, { once: true });
    reader.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    reader.onload = () => {
      signal?.removeEventListener('abort', abort);
      onProgress(1);
      resolve(new Uint8Array(reader.result as ArrayBuffer));
    };
    reader.onerror = () => {
      signal?.removeEventListener('abort', abort);
      reject(reader.error ?? new Error('the file could not be read'));
    };
    reader.onabort = () => {
      signal?.removeEventListener('abort', abort);
      reject(signal?.reason ?? new DOMException('aborted', 'AbortError'));
    };
    reader.readAsArrayBuffer(file);
  });
}

/** Offers bytes to the user as a downloaded file. */
export function saveBytes(bytes: Uint8Array, filename: string, type = 'application/octet-stream'): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A record id (`^[a-z0-9][a-z0-9._-]{0,127}$`) suggested by a file name. */
export function recordIdFromName(name: string): string {
  const base = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/-+/g, '-')
    .slice(0, 100)
    .replace(/[-.]+$/, '');
  return base === '' ? 'document' : base;
}

export const DATA_ID = /^[a-z0-9][a-z0-9._-]{0,127}$/;
export const MEMBER_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
