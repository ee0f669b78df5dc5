import { Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { PageInfo } from './page-info.type.js';

/** Builds the `<Name>Connection` and `<Name>Edge` types of a cursor connection over `NodeType`. */
export function ConnectionType<TNode extends object>(name: string, NodeType: ClassType<TNode>) {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field(() => String, { description: 'Pass as `after` to get the items after this one.' })
    cursor!: string;

    @Field(() => NodeType)
    node!: TNode;
  }

  // Only types reachable from a resolver are emitted, so this base never appears in the schema itself;
  // the named subclass that extends it does.
  @ObjectType(`${name}ConnectionBase`)
  abstract class Connection {
    @Field(() => [Edge])
    edges!: Edge[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    @Field(() => Int, { description: 'How many items match, over all pages.' })
    totalCount!: number;
  }

  return Connection;
}
