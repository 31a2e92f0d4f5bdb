export { ExpoAdminService } from './admin.js';
export { ExpoDeviceService } from './device.js';
export { expoAdminRoutes, expoDeviceRoutes } from './routes.js';
export type { ExpoServices } from './services.js';
export type { ExpoStore } from './store.js';
