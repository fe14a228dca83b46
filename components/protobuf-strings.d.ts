// Types of protobuf-strings.js (plain JavaScript: the provider process loads it before TypeScript).
export declare function fastProtobufStrings(fromDir?: string): boolean;
export declare function libraryStringMethods(fromDir?: string):
  | {
      writeString: (this: unknown, field: number, value: string) => void;
      readString: (this: unknown) => string;
    }
  | undefined;
