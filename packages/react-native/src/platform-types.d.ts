/**
 * The parts of the peer dependencies this binding uses, declared here so the package
 * type-checks on Node without installing React Native (its packages need a native
 * toolchain). They follow the documented APIs of react-native-blob-util 0.19+,
 * react-native 0.74+ and React 18+.
 */

declare module 'react-native-blob-util' {
  export interface BlobUtilStat {
    size: number | string;
    type: 'file' | 'directory';
  }
  export interface BlobUtilFs {
    dirs: { DocumentDir: string };
    readFile(path: string, encoding: 'base64'): Promise<string>;
    writeFile(path: string, data: string, encoding: 'base64'): Promise<number | void>;
    mkdir(path: string): Promise<void>;
    mv(from: string, to: string): Promise<boolean | void>;
    cp(from: string, to: string): Promise<boolean | void>;
    unlink(path: string): Promise<void>;
    exists(path: string): Promise<boolean>;
    isDir(path: string): Promise<boolean>;
    ls(path: string): Promise<string[]>;
    stat(path: string): Promise<BlobUtilStat>;
    hash(path: string, algorithm: 'sha256'): Promise<string>;
    df(): Promise<Record<string, number | string>>;
    /** encoding 'uri': appends the content of the file at `data`. */
    appendFile(path: string, data: string, encoding: 'uri'): Promise<number | void>;
  }
  export interface BlobUtilResponseInfo {
    status: number;
    headers: Record<string, string>;
  }
  export interface BlobUtilResponse {
    info(): BlobUtilResponseInfo;
    base64(): string | Promise<string>;
    path(): string;
    flush(): void | Promise<void>;
  }
  export interface BlobUtilTask extends Promise<BlobUtilResponse> {
    progress(
      config: { count?: number; interval?: number },
      cb: (received: number, total: number) => void,
    ): BlobUtilTask;
    cancel(): void;
  }
  export interface BlobUtilConfig {
    path?: string;
    /** false: append to the file at `path` (for Range resumes). */
    overwrite?: boolean;
    timeout?: number;
    followRedirect?: boolean;
    trusty?: boolean;
  }
  export interface BlobUtil {
    fs: BlobUtilFs;
    config(options: BlobUtilConfig): {
      fetch(method: 'GET', url: string, headers?: Record<string, string>): BlobUtilTask;
    };
  }
  const ReactNativeBlobUtil: BlobUtil;
  export default ReactNativeBlobUtil;
}

declare module 'react-native' {
  export const NativeModules: Record<string, unknown>;
  /** The base of every TurboModule spec (codegen recognises specs that extend it). */
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- React Native declares it empty too
  export interface TurboModule {}
  export const TurboModuleRegistry: {
    get<T extends TurboModule>(name: string): T | null;
    getEnforcing<T extends TurboModule>(name: string): T;
  };
  export type AppStateStatus = 'active' | 'background' | 'inactive' | 'unknown' | 'extension';
  export const AppState: {
    addEventListener(type: 'change', listener: (state: AppStateStatus) => void): { remove(): void };
  };
}

declare module 'react' {
  export function useSyncExternalStore<T>(subscribe: (onChange: () => void) => () => void, getSnapshot: () => T): T;
  export function useCallback<T extends (...args: never[]) => unknown>(fn: T, deps: readonly unknown[]): T;
}
