// Message descriptors of k8s.io.apimachinery.pkg.api.resource: field numbers and types from upstream's generated.proto, JSON names,
// pointers and omitempty from its Go types (written by ../generate.ts; see the format in ../descriptor.ts).
export const pkg = 'k8s.io.apimachinery.pkg.api.resource';

export const messages: Record<string, string> = {
  Quantity: '1 string string',
  QuantityValue: '1 string string',
};
