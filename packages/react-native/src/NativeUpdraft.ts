import type { TurboModule } from 'react-native';
import { TurboModuleRegistry } from 'react-native';

/**
 * The TurboModule spec of this package's native module (React Native's codegen reads this file,
 * see `codegenConfig` in package.json): the few things react-native-blob-util does not do.
 * ios/UpdraftModule.mm and android/…/UpdraftModule.kt implement it; test/native-codegen.test.ts
 * runs the codegen and checks that both implement every generated method, argument for argument.
 * `TurboModuleRegistry.get` also finds the module on the old architecture (through the bridge).
 */
export interface Spec extends TurboModule {
  /** Temp file, fsync, rename over `absolutePath` (iOS NSDataWritingAtomic + F_FULLFSYNC, Android AtomicFile). */
  writeFileAtomic(absolutePath: string, base64: string): Promise<void>;
  /** fsync a file or a folder, so a download or a rename survives power loss. */
  fsync(absolutePath: string): Promise<void>;
  /** Restarts the JavaScript so the boot glue picks the bundle again (the trial/rollback rule). */
  restart(): void;
}

export default TurboModuleRegistry.get<Spec>('Updraft');
