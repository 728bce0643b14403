import { objectType, type CelObjectType } from '@bufbuild/cel';
import { create, createFileRegistry, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { reflect, type ReflectMessage } from '@bufbuild/protobuf/reflect';
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
} from '@bufbuild/protobuf/wkt';

/**
 * A Kubernetes CEL object type (`net.IP`, `kubernetes.Quantity`, …) carried as a protobuf message,
 * the only kind of object value @bufbuild/cel 0.6.1 accepts.
 *
 * The message has one string field, the value's canonical key: @bufbuild/cel compares messages
 * field by field, so two values are `==` exactly when their keys are equal. Each library picks a
 * key that makes that match Kubernetes' `Equal` (e.g. `quantity('1') == quantity('1000m')`).
 */
export interface OpaqueType<T> {
  /** The CEL type, for function signatures; `type(x)` of a value prints its `name`. */
  readonly celType: CelObjectType;
  /** The message descriptor, for a registry that lets expressions name the type (`net.IP`). */
  readonly desc: DescMessage;
  /** Wraps a native value as a CEL value of this type. */
  wrap(value: T): ReflectMessage;
  /** The native value of a CEL value of this type. */
  unwrap(value: ReflectMessage): T;
}

/** How a native value becomes a key and back. */
export interface OpaqueCodec<T> {
  /** The key: equal for exactly the values Kubernetes calls equal. */
  encode(value: T): string;
  /**
   * Rebuilds a value from its key. Only used for a message that this module did not create
   * (built by a caller from the registry), so a lossy key (a URL's String()) is acceptable.
   */
  decode(key: string): T;
}

/**
 * Declares the message type `typeName` (e.g. `net.IP`) at run time.
 *
 * Native values ride alongside their message in a WeakMap rather than in extra fields, because
 * every field takes part in equality and some values (a quantity's int64/inf.Dec form, a URL's raw
 * path) must not.
 */
export function opaqueType<T>(typeName: string, codec: OpaqueCodec<T>): OpaqueType<T> {
  const dot = typeName.lastIndexOf('.');
  const file = create(FileDescriptorProtoSchema, {
    name: `${typeName.replace(/\./g, '/')}.proto`,
    package: typeName.slice(0, dot),
    syntax: 'proto3',
    messageType: [
      {
        name: typeName.slice(dot + 1),
        field: [
          {
            name: 'value',
            jsonName: 'value',
            number: 1,
            type: FieldDescriptorProto_Type.STRING,
            label: FieldDescriptorProto_Label.OPTIONAL,
          },
        ],
      },
    ],
  });
  const desc = createFileRegistry(file, () => undefined).getMessage(typeName);
  if (!desc) throw new Error(`cannot declare CEL type ${typeName}`);
  const keyField: DescField = desc.fields[0];
  const natives = new WeakMap<object, T>();
  return {
    celType: objectType(desc),
    desc,
    wrap(value) {
      const message = create(desc);
      const reflected = reflect(desc, message);
      reflected.set(keyField, codec.encode(value));
      natives.set(message, value);
      return reflected;
    },
    unwrap(value) {
      const known = natives.get(value.message);
      if (known !== undefined) return known;
      const decoded = codec.decode(value.get(keyField) as string);
      natives.set(value.message, decoded);
      return decoded;
    },
  };
}
