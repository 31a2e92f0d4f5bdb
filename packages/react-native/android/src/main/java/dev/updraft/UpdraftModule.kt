// The native module behind src/NativeUpdraft.ts: atomic write, fsync, restart. Its methods
// match the codegen's spec (test/native-codegen.test.ts). Autolinking registers UpdraftPackage.
package dev.updraft

import android.content.Intent
import android.system.Os
import android.system.OsConstants
import android.util.AtomicFile
import android.util.Base64
import com.facebook.react.bridge.Promise
import com.facebook.react.bridge.ReactApplicationContext
import com.facebook.react.bridge.ReactMethod
import java.io.File

class UpdraftModule(private val ctx: ReactApplicationContext) : UpdraftSpec(ctx) {
  override fun getName() = NAME

  @ReactMethod
  override fun writeFileAtomic(absolutePath: String, base64: String, promise: Promise) {
    val file = AtomicFile(File(absolutePath))
    try {
      val out = file.startWrite()
      try { out.write(Base64.decode(base64, Base64.DEFAULT)); file.finishWrite(out) } // finishWrite fsyncs
      catch (e: Exception) { file.failWrite(out); throw e }
      promise.resolve(null)
    } catch (e: Exception) { promise.reject("storage", e) }
  }

  @ReactMethod
  override fun fsync(absolutePath: String, promise: Promise) {
    try {
      val fd = Os.open(absolutePath, OsConstants.O_RDONLY, 0)
      try { Os.fsync(fd) } finally { Os.close(fd) }
      promise.resolve(null)
    } catch (e: Exception) { promise.reject("storage", e) }
  }

  @ReactMethod
  override fun restart() {
    // The React host keeps the bundle path it was created with, so a reload would run the same
    // file again: start the app anew instead, and UpdraftBoot.getJSBundleFile() decides again.
    val intent = ctx.packageManager.getLaunchIntentForPackage(ctx.packageName) ?: return
    intent.addFlags(Intent.FLAG_ACTIVITY_NEW_TASK or Intent.FLAG_ACTIVITY_CLEAR_TASK)
    ctx.startActivity(intent)
    Runtime.getRuntime().exit(0)
  }

  companion object {
    const val NAME = "Updraft"
  }
}
