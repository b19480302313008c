// Stands in for the `whatwg-url` package in the CLI bundle. Its only importer, node-fetch 2
// (under the Kubernetes client), uses it as `Url.URL || whatwgUrl.URL`: Node's own URL always
// exists on the Node versions quickcd supports, and loading the package parses tr46's Unicode
// mapping table (~260 KB of source and its arrays) in every scheduler for nothing.
import { URL } from 'node:url';

export default { URL };
