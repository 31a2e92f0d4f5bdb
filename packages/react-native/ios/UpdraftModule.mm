// The native module behind src/NativeUpdraft.ts: atomic write, fsync, restart. On the New
// Architecture it is a TurboModule conforming to the codegen's NativeUpdraftSpec protocol;
// on the old one the RCT_EXPORT_METHOD lines register the same methods with the bridge.
// test/native-module.test.ts checks these selectors against the codegen's output.
#import <React/RCTBridgeModule.h>
#import <React/RCTReloadCommand.h>
#include <fcntl.h>
#include <unistd.h>

#ifdef RCT_NEW_ARCH_ENABLED
#import <UpdraftSpec/UpdraftSpec.h>
@interface UpdraftModule : NSObject <NativeUpdraftSpec>
#else
@interface UpdraftModule : NSObject <RCTBridgeModule>
#endif
@end

@implementation UpdraftModule
RCT_EXPORT_MODULE(Updraft)

RCT_EXPORT_METHOD(writeFileAtomic:(NSString *)absolutePath
                  base64:(NSString *)base64
                  resolve:(RCTPromiseResolveBlock)resolve
                  reject:(RCTPromiseRejectBlock)reject) {
  NSData *data = [[NSData alloc] initWithBase64EncodedString:base64 options:0];
  NSError *error = nil;
  // NSDataWritingAtomic: temp file + rename; F_FULLFSYNC below makes it durable.
  if (!data || ![data writeToFile:absolutePath options:NSDataWritingAtomic error:&error]) {
    reject(@"storage", error.localizedDescription ?: @"bad base64", error);
    return;
  }
  int fd = open(absolutePath.fileSystemRepresentation, O_RDONLY);
  if (fd >= 0) { fcntl(fd, F_FULLFSYNC); close(fd); }
  resolve(nil);
}

RCT_EXPORT_METHOD(fsync:(NSString *)absolutePath
                  resolve:(RCTPromiseResolveBlock)resolve
                  reject:(RCTPromiseRejectBlock)reject) {
  int fd = open(absolutePath.fileSystemRepresentation, O_RDONLY);
  if (fd < 0) { reject(@"storage", @"cannot open for fsync", nil); return; }
  fcntl(fd, F_FULLFSYNC);
  close(fd);
  resolve(nil);
}

// A reload asks the app delegate's bundleURL again, so UpdraftBoot decides again.
RCT_EXPORT_METHOD(restart) {
  dispatch_async(dispatch_get_main_queue(), ^{ RCTTriggerReloadCommandListeners(@"updraft: install update"); });
}

#ifdef RCT_NEW_ARCH_ENABLED
- (std::shared_ptr<facebook::react::TurboModule>)getTurboModule:
    (const facebook::react::ObjCTurboModule::InitParams &)params {
  return std::make_shared<facebook::react::NativeUpdraftSpecJSI>(params);
}
#endif
@end
