import { Field, ID, InterfaceType } from 'type-graphql';
import { nodeTypeOf } from '../src/ids.js';

/** Every object with an identity. Its id is global: the prefix names the type (`agt_…` is an Agent). */
@InterfaceType({
  description: 'An object with a global id.',
  resolveType: (value: { id: string }) => nodeTypeOf(value.id),
})
export abstract class Node {
  @Field(() => ID)
  id!: string;
}
