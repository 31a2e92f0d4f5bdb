// NOT COMPILED IN THIS REPOSITORY (no Xcode here). The native module behind
// src/native-module.ts: atomic write, fsync, reload. Kept minimal.
#import <React/RCTBridgeModule.h>
#import <React/RCTReloadCommand.h>
#include <fcntl.h>
#include <unistd.h>

@interface UpdraftModule : NSObject <RCTBridgeModule>
@end

@implementation UpdraftModule
RCT_EXPORT_MODULE(Updraft)

RCT_EXPORT_METHOD(writeFileAtomic:(NSString *)path base64:(NSString *)base64
                  resolve:(RCTPromiseResolveBlock)resolve reject:(RCTPromiseRejectBlock)reject) {
  NSData *data = [[NSData alloc] initWithBase64EncodedString:base64 options:0];
  NSError *error = nil;
  // NSDataWritingAtomic: temp file + rename; F_FULLFSYNC below makes it durable.
  if (!data || ![data writeToFile:path options:NSDataWritingAtomic error:&error]) {
    reject(@"storage", error.localizedDescription ?: @"bad base64", error);
    return;
  }
  int fd = open(path.fileSystemRepresentation, O_RDONLY);
  if (fd >= 0) { fcntl(fd, F_FULLFSYNC); close(fd); }
  resolve(nil);
}

RCT_EXPORT_METHOD(fsync:(NSString *)path resolve:(RCTPromiseResolveBlock)resolve reject:(RCTPromiseRejectBlock)reject) {
  int fd = open(path.fileSystemRepresentation, O_RDONLY);
  if (fd < 0) { reject(@"storage", @"cannot open for fsync", nil); return; }
  fcntl(fd, F_FULLFSYNC);
  close(fd);
  resolve(nil);
}

RCT_EXPORT_METHOD(restart) {
  dispatch_async(dispatch_get_main_queue(), ^{ RCTTriggerReloadCommandListeners(@"updraft: install update"); });
}
@end
