// Message descriptors of k8s.io.apimachinery.pkg.runtime: field numbers and types from upstream's generated.proto, JSON names,
// pointers and omitempty from its Go types (written by ../generate.ts; see the format in ../descriptor.ts).
export const pkg = 'k8s.io.apimachinery.pkg.runtime';

export const messages: Record<string, string> = {
  RawExtension: '1 raw bytes',
  TypeMeta: '1 apiVersion string; 2 kind string',
  Unknown: '1 typeMeta k8s.io.apimachinery.pkg.runtime.TypeMeta; 2 raw bytes; 3 contentEncoding string; 4 contentType string',
};
