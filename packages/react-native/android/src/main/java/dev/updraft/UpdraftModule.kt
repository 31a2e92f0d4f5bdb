// NOT COMPILED IN THIS REPOSITORY (no Android toolchain here). The native module behind
// src/native-module.ts: atomic write, fsync, reload. Kept minimal. Register UpdraftPackage
// in MainApplication's getPackages().
package dev.updraft

import android.system.Os
import android.system.OsConstants
import android.util.AtomicFile
import android.util.Base64
import com.facebook.react.ReactPackage
import com.facebook.react.bridge.*
import com.facebook.react.uimanager.ViewManager
import java.io.File

class UpdraftModule(private val ctx: ReactApplicationContext) : ReactContextBaseJavaModule(ctx) {
  override fun getName() = "Updraft"

  @ReactMethod
  fun writeFileAtomic(path: String, base64: String, promise: Promise) {
    val file = AtomicFile(File(path))
    try {
      val out = file.startWrite()
      try { out.write(Base64.decode(base64, Base64.DEFAULT)); file.finishWrite(out) } // finishWrite fsyncs
      catch (e: Exception) { file.failWrite(out); throw e }
      promise.resolve(null)
    } catch (e: Exception) { promise.reject("storage", e) }
  }

  @ReactMethod
  fun fsync(path: String, promise: Promise) {
    try {
      val fd = Os.open(path, OsConstants.O_RDONLY, 0)
      try { Os.fsync(fd) } finally { Os.close(fd) }
      promise.resolve(null)
    } catch (e: Exception) { promise.reject("storage", e) }
  }

  @ReactMethod
  fun restart() {
    // The host re-reads getJSBundleFile(), so the boot rule runs again.
    UiThreadUtil.runOnUiThread { currentActivity?.recreate() ; (ctx.applicationContext as? com.facebook.react.ReactApplication)?.reactNativeHost?.reactInstanceManager?.recreateReactContextInBackground() }
  }
}

class UpdraftPackage : ReactPackage {
  override fun createNativeModules(ctx: ReactApplicationContext): List<NativeModule> = listOf(UpdraftModule(ctx))
  override fun createViewManagers(ctx: ReactApplicationContext): List<ViewManager<*, *>> = emptyList()
}
