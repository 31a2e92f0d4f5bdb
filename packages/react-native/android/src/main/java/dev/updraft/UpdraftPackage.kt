// React Native's autolinking finds this package by its source and adds it to the app's
// PackageList. BaseReactPackage serves both architectures.
package dev.updraft

import com.facebook.react.BaseReactPackage
import com.facebook.react.bridge.NativeModule
import com.facebook.react.bridge.ReactApplicationContext
import com.facebook.react.module.model.ReactModuleInfo
import com.facebook.react.module.model.ReactModuleInfoProvider

class UpdraftPackage : BaseReactPackage() {
  override fun getModule(name: String, reactContext: ReactApplicationContext): NativeModule? =
    if (name == UpdraftModule.NAME) UpdraftModule(reactContext) else null

  override fun getReactModuleInfoProvider() = ReactModuleInfoProvider {
    mapOf(
      UpdraftModule.NAME to ReactModuleInfo(
        UpdraftModule.NAME,
        UpdraftModule::class.java.name,
        false, // canOverrideExistingModule
        false, // needsEagerInit
        false, // isCxxModule
        BuildConfig.IS_NEW_ARCHITECTURE_ENABLED, // isTurboModule
      ),
    )
  }
}
