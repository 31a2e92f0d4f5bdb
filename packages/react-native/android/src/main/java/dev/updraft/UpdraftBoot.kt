// The boot rule, before any JavaScript runs. It mirrors applyNativeBoot() in
// packages/client/src/boot-pointer.ts, the tested TypeScript reference: every row of its
// NATIVE_BOOT_RULES table is marked `// rule <id>` below, in the table's order, and
// test/native-boot-table.test.ts checks that (and the same for ios/UpdraftBoot.swift).
//
// Use from MainApplication, before the React host is made (React Native 0.76+):
//   getDefaultReactHost(context = applicationContext, packageList = …,
//     jsBundleFilePath = UpdraftBoot.getJSBundleFile(applicationContext))
// (null = the bundle inside the APK.)
package dev.updraft

import android.content.Context
import android.util.AtomicFile
import org.json.JSONArray
import org.json.JSONObject
import java.io.File

object UpdraftBoot {
  /** <filesDir>/updraft: react-native-blob-util's DocumentDir + UPDRAFT_FOLDER. */
  fun root(context: Context) = File(context.filesDir, "updraft")

  @JvmStatic
  fun getJSBundleFile(context: Context): String? {
    val root = root(context)
    val file = AtomicFile(File(root, "boot.json"))
    val p = try { JSONObject(String(file.readFully())) } catch (e: Exception) { return null }
    if (p.optString("schema") != "updraft.boot/1") return null

    fun path(key: String): String? {
      val r = p.optJSONObject(key) ?: return null
      val id = r.optString("releaseId"); val launch = r.optString("launch")
      if (id.isEmpty() || id.contains('/') || id.startsWith('.')) return null
      if (launch.isEmpty() || launch.split('/').any { it.isEmpty() || it == "." || it == ".." }) return null
      return "releases/$id/$launch"
    }
    fun exists(rel: String?) = rel != null && File(root, rel).isFile

    val launches = p.optInt("trialLaunches", 0)
    val maxAttempts = p.optInt("maxLaunchAttempts", 1)
    var run: String? = null
    val trial = p.optJSONObject("trial")
    val pending = p.optJSONObject("pending")
    if (trial != null) {
      if (launches < maxAttempts && exists(path("trial"))) {
        // rule trial-again
        p.put("trialLaunches", launches + 1); run = path("trial")
      } else {
        // rule trial-rollback
        val rolled = p.optJSONArray("rolledBack") ?: JSONArray()
        rolled.put(JSONObject().put("releaseId", trial.optString("releaseId"))
          .put("versionCode", trial.optInt("versionCode")).put("epoch", trial.optInt("epoch")))
        while (rolled.length() > 64) rolled.remove(0)
        p.put("rolledBack", rolled).put("trial", JSONObject.NULL).put("trialLaunches", 0)
      }
    } else if (pending != null) {
      if (exists(path("pending"))) {
        // rule pending-to-trial
        run = path("pending"); p.put("trial", pending).put("trialLaunches", 1)
      }
      // rule pending-drop (and the pending that became the trial leaves pending too)
      p.put("pending", JSONObject.NULL)
    }
    // rule run-installed
    if (run == null) run = listOf(path("confirmed"), path("fallback")).firstOrNull { exists(it) }
    // rule run-embedded: run stays null, the caller loads the APK's bundle.
    // rule write-first: durable before the bundle runs (AtomicFile: temp, fsync, rename).
    try {
      val out = file.startWrite()
      try { out.write(p.toString(2).toByteArray()); file.finishWrite(out) } catch (e: Exception) { file.failWrite(out); return null }
    } catch (e: Exception) { return null }
    return run?.let { File(root, it).absolutePath }
  }
}
