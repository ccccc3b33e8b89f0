/**
 * The voting contract's state layout (JSON values under `voting/`), defined once for the
 * contract that writes it and the node, SDK and portal that read it. Each question about a
 * ballot is one key, so a node answers it with one state proof at any height; nothing needs a
 * prefix scan (the executor has none): votes are enumerated through the `seq` index.
 *
 *   voting/ballot/<id>               Ballot          definition, key, status, counters, result
 *   voting/voters/<id>               string[]        the eligible members (the snapshot), sorted
 *   voting/elig/<id>/<member>        number          an eligible member's weight
 *   voting/vote/<id>/<pseudonym>     StoredVote      { txId, box, height, weight, seq }: the vote counted
 *   voting/seq/<id>/<n, 6 digits>    string          the pseudonym of the n-th voter (first vote order)
 *   voting/share/<id>/<nodeId>       RevealedShare   a node's key share, released after close
 *   voting/revealed/<id>/<pseudonym> RevealedVote    { answers | null (spoiled), weight } after the tally
 *   voting/pending                   string[]        closed ballots not yet tallied (sorted): nodes poll it
 */
export const votingKeys = {
  ballot: (id: string) => `voting/ballot/${id}`,
  voters: (id: string) => `voting/voters/${id}`,
  elig: (id: string, member: string) => `voting/elig/${id}/${member}`,
  vote: (id: string, pseudonym: string) => `voting/vote/${id}/${pseudonym}`,
  seq: (id: string, n: number) => `voting/seq/${id}/${String(n).padStart(6, '0')}`,
  share: (id: string, nodeId: number) => `voting/share/${id}/${nodeId}`,
  revealed: (id: string, pseudonym: string) => `voting/revealed/${id}/${pseudonym}`,
  pending: 'voting/pending',
} as const;
