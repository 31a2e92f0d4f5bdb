// Old architecture (the bridge, React Native 0.76–0.81 with newArchEnabled=false): the same
// methods as the codegen's NativeUpdraftSpec, declared by hand; test/native-codegen.test.ts
// checks that both declare what src/NativeUpdraft.ts says.
package dev.updraft

import com.facebook.react.bridge.Promise
import com.facebook.react.bridge.ReactApplicationContext
import com.facebook.react.bridge.ReactContextBaseJavaModule

abstract class UpdraftSpec(context: ReactApplicationContext) : ReactContextBaseJavaModule(context) {
  abstract fun writeFileAtomic(absolutePath: String, base64: String, promise: Promise)
  abstract fun fsync(absolutePath: String, promise: Promise)
  abstract fun restart()
}
