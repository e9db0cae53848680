// Entry point of the tablet app: the shell's modules are in shell/ (boot.js wires them); the
// screens in views/ (contract in views/README.md).
import { boot } from "./shell/boot.js";

boot();
