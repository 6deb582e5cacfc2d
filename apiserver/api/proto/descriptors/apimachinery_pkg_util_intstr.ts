// Message descriptors of k8s.io.apimachinery.pkg.util.intstr: field numbers and types from upstream's generated.proto, JSON names,
// pointers and omitempty from its Go types (written by ../generate.ts; see the format in ../descriptor.ts).
export const pkg = 'k8s.io.apimachinery.pkg.util.intstr';

export const messages: Record<string, string> = {
  IntOrString: '1 type int64; 2 intVal int32; 3 strVal string',
};
