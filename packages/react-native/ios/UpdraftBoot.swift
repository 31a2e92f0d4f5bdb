// The boot rule, before any JavaScript runs. It mirrors applyNativeBoot() in
// packages/client/src/boot-pointer.ts, the tested TypeScript reference: every row of its
// NATIVE_BOOT_RULES table is marked `// rule <id>` below, in the table's order, and
// test/native-boot-table.test.ts checks that (and the same for android/…/UpdraftBoot.kt).
//
// Use from AppDelegate's ReactNativeDelegate, before React Native loads any JavaScript:
//   override func bundleURL() -> URL? {
//     UpdraftBoot.bundleURL(embedded: Bundle.main.url(forResource: "main", withExtension: "jsbundle"))
//   }
import Foundation

@objc public class UpdraftBoot: NSObject {
  /// <Documents>/updraft, the folder the JavaScript side writes (UPDRAFT_FOLDER).
  static var root: URL {
    FileManager.default.urls(for: .documentDirectory, in: .userDomainMask)[0].appendingPathComponent("updraft")
  }

  @objc public static func bundleURL(embedded: URL?) -> URL? {
    let pointerURL = root.appendingPathComponent("boot.json")
    guard let data = try? Data(contentsOf: pointerURL),
          var p = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
          p["schema"] as? String == "updraft.boot/1" else { return embedded }

    func path(_ key: String) -> String? {
      guard let r = p[key] as? [String: Any], let id = r["releaseId"] as? String,
            let launch = r["launch"] as? String, !id.contains("/"), !id.hasPrefix("."),
            !launch.split(separator: "/").contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }) else { return nil }
      return "releases/\(id)/\(launch)"
    }
    func exists(_ rel: String?) -> Bool {
      guard let rel = rel else { return false }
      return FileManager.default.fileExists(atPath: root.appendingPathComponent(rel).path)
    }
    let launches = p["trialLaunches"] as? Int ?? 0
    let maxAttempts = p["maxLaunchAttempts"] as? Int ?? 1
    var run: String? = nil

    if p["trial"] is [String: Any] {
      if launches < maxAttempts && exists(path("trial")) {
        // rule trial-again
        p["trialLaunches"] = launches + 1
        run = path("trial")
      } else {
        // rule trial-rollback
        let t = p["trial"] as! [String: Any]
        var rolled = p["rolledBack"] as? [[String: Any]] ?? []
        rolled.append(["releaseId": t["releaseId"] ?? "", "versionCode": t["versionCode"] ?? 0, "epoch": t["epoch"] ?? 0])
        p["rolledBack"] = Array(rolled.suffix(64))
        p["trial"] = NSNull()
        p["trialLaunches"] = 0
      }
    } else if p["pending"] is [String: Any] {
      if exists(path("pending")) {
        // rule pending-to-trial
        run = path("pending")
        p["trial"] = p["pending"]
        p["trialLaunches"] = 1
      }
      // rule pending-drop (and the pending that became the trial leaves pending too)
      p["pending"] = NSNull()
    }
    // rule run-installed
    if run == nil {
      run = [path("confirmed"), path("fallback")].first(where: { exists($0) }) ?? nil
    }
    // rule run-embedded: run stays nil, `embedded` is returned below.
    // rule write-first: the decision is durable before the bundle runs (a crash in it is seen
    // at the next start); if it cannot be written, the embedded bundle runs.
    if let out = try? JSONSerialization.data(withJSONObject: p, options: [.prettyPrinted]) {
      guard (try? out.write(to: pointerURL, options: .atomic)) != nil else { return embedded }
    }
    return run.map { root.appendingPathComponent($0) } ?? embedded
  }
}
