/**
 * The small native module this package ships (ios/UpdraftModule.m, android/…/UpdraftModule.kt):
 * the few things react-native-blob-util does not do. Everything else goes through blob-util.
 */
export interface UpdraftNativeModule {
  /** Temp file, fsync, rename over `absolutePath` (iOS NSDataWritingAtomic, Android AtomicFile). */
  writeFileAtomic(absolutePath: string, base64: string): Promise<void>;
  /** fsync a file or a folder, so a download or a rename survives power loss. */
  fsync(absolutePath: string): Promise<void>;
  /** Reloads the JavaScript; the boot glue then picks the bundle again (the trial/rollback rule). */
  restart(): void;
}
