import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { RenderedRelease } from './engine';

/** Props of HelmRelease. */
export interface HelmReleaseProps {
  /** The release, rendered before any construct was built (renderReleases). */
  readonly release: RenderedRelease;
}

/**
 * One Helm release as cdk8s objects: an ApiObject per rendered document, with the ids
 * cdk8s's own Include gives them (`name[-kind][-namespace]`), so the output, its order
 * included, is what cdk8s's Helm construct would write. Rendering happened before (in
 * parallel, through the cache): constructing does no I/O.
 */
export class HelmRelease extends Construct {
  /** The Helm release name. */
  readonly releaseName: string;

  constructor(scope: Construct, id: string, props: HelmReleaseProps) {
    super(scope, id);
    this.releaseName = props.release.request.releaseName;
    let unnamed = 0;
    for (const obj of props.release.documents as Array<{ kind?: string; metadata?: { name?: string; namespace?: string } }>) {
      const name = obj.metadata?.name ?? `object${unnamed++}`;
      const objectId = [name, obj.kind?.toLowerCase(), obj.metadata?.namespace].filter(x => x).join('-');
      new ApiObject(this, objectId, obj as any);
    }
  }

  /** The release's objects. */
  get apiObjects(): ApiObject[] {
    return this.node.children.filter((c): c is ApiObject => c instanceof ApiObject);
  }
}
