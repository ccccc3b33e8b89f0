/**
 * Private keys the platform holds (the operator's governance key, custodial tenant keys, node
 * keys) are stored only sealed by the master key, with a context naming what the key is for,
 * so that a sealed blob cannot be moved to another row and opened there.
 */
export interface KeyVault {
  seal(privateKey: Uint8Array, context: string): Uint8Array;
  open(sealed: Uint8Array, context: string): Uint8Array;
}

export const vaultContext = {
  operator: (networkId: string) => `konsortium/operator/v1/${networkId}`,
  node: (networkId: string, nodeId: number) => `konsortium/node-keys/v1/${networkId}/${nodeId}`,
  identity: (tenantId: string, publicKeyHex: string) => `konsortium/custody/v1/${tenantId}/${publicKeyHex}`,
};
