export {
  exportRepository,
  ExportError,
  STATIC_IMMUTABLE,
  STATIC_TIMESTAMP,
  type ExportResult,
} from './static-export.js';
export { FolderSink, S3Sink, openSink, type ExportSink, type ExportBody, type ObjectMeta } from './sinks.js';
