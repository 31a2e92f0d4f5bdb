// New Architecture: the module extends the spec React Native's codegen generates from
// src/NativeUpdraft.ts (dev.updraft.NativeUpdraftSpec, a TurboModule).
package dev.updraft

import com.facebook.react.bridge.ReactApplicationContext

abstract class UpdraftSpec(context: ReactApplicationContext) : NativeUpdraftSpec(context)
