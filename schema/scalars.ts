export {
  DateTimeResolver as DateTimeScalar,
  JSONObjectResolver as JSONObjectScalar,
  JSONResolver as JSONScalar,
} from 'graphql-scalars';
