import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

/** Props of IncludedObjects. */
export interface IncludedObjectsProps {
  /** Parsed manifests (a helm release's output, or a vendored manifest file). */
  readonly documents: readonly object[];
}

/**
 * Parsed manifests as cdk8s objects: an ApiObject per document, with the ids cdk8s's
 * own Include gives them (`name[-kind][-namespace]`), so the output, its order
 * included, is what Include would write. Reading and parsing happened before (through
 * the render cache): constructing does no I/O.
 */
export class IncludedObjects extends Construct {
  constructor(scope: Construct, id: string, props: IncludedObjectsProps) {
    super(scope, id);
    let unnamed = 0;
    for (const obj of props.documents as Array<{ kind?: string; metadata?: { name?: string; namespace?: string } }>) {
      const name = obj.metadata?.name ?? `object${unnamed++}`;
      const objectId = [name, obj.kind?.toLowerCase(), obj.metadata?.namespace].filter(x => x).join('-');
      new ApiObject(this, objectId, obj as any);
    }
  }

  /** The objects. */
  get apiObjects(): ApiObject[] {
    return this.node.children.filter((c): c is ApiObject => c instanceof ApiObject);
  }
}
