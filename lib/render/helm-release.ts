import { Construct } from 'constructs';
import { RenderedRelease } from './engine';
import { IncludedObjects } from './included-objects';

/** Props of HelmRelease. */
export interface HelmReleaseProps {
  /** The release, rendered before any construct was built (renderReleases). */
  readonly release: RenderedRelease;
}

/**
 * One Helm release as cdk8s objects, as cdk8s's Helm construct would add them (through
 * Include), rendered before any construct was built: in parallel, through the cache.
 */
export class HelmRelease extends IncludedObjects {
  /** The Helm release name. */
  readonly releaseName: string;

  constructor(scope: Construct, id: string, props: HelmReleaseProps) {
    super(scope, id, { documents: props.release.documents });
    this.releaseName = props.release.request.releaseName;
  }
}
