// Node's Buffer has fast latin1 helpers that @types/node does not declare.
// They exist on Buffer.prototype in every supported Node (they back buffer.write/toString).
declare global {
  interface Buffer {
    latin1Write(s: string, offset?: number, length?: number): number;
    latin1Slice(start?: number, end?: number): string;
  }
}
export {};
