/**
 * The YAML functions core uses, from one module that the build replaces with a single-file bundle
 * (scripts/bundle-dependency.mjs at the repository root): the yaml package is some 70 CommonJS
 * files, which every command inside a project would otherwise load to read soulrecall.yaml.
 * Types keep coming from 'yaml' itself.
 */
export { isMap, isScalar, isSeq, LineCounter, parse, parseDocument, stringify } from 'yaml';
