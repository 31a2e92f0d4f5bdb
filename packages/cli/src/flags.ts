/** A repeatable option's parser for commander: `--witness a --witness b` → ['a', 'b']. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
