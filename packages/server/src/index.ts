export * from "./tuf/index.js";
