import type { ExpoAdminService } from './expo-admin.js';
import type { ExpoDeviceService } from './expo-device.js';

/** The Expo services the server's service container holds (routes reach them through it). */
export interface ExpoServices {
  admin: ExpoAdminService;
  device: ExpoDeviceService;
}
