// The DPS emulator as tests use it: one place to start it and to call its admin API, shared
// with the emulator's own tests (emulator/test) rather than written again per test file.
export { startTestEmulator } from "../../emulator/test/helpers";
export { adminRequest } from "../../emulator/test/admin-client";
