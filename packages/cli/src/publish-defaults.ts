// The defaults of the flags that bound what a publish reads and patches (publish, embedded
// register, device sync): here, import-free, so the command definitions show them in --help
// without loading the file walker or the delta encoder.

/** --max-file-size: files larger than this are refused. */
export const DEFAULT_MAX_FILE_BYTES = 100 * 1024 * 1024;

/** --delta-bases: changed files are patched against this many earlier releases. */
export const DEFAULT_DELTA_BASES = 3;
/** Below this a patch saves too little to be worth a round trip and a patch step. */
export const DEFAULT_DELTA_MIN_BYTES = 16 * 1024;
