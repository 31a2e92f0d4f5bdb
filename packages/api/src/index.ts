export {
  ERROR_CATALOGUE,
  ErrorCode,
  isErrorCode,
  type ErrorBody,
  type ErrorCodeWithStatus,
  type ErrorEntry,
} from './errors.js';
