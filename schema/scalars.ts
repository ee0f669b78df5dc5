export { DateTimeResolver as DateTimeScalar, JSONObjectResolver as JSONObjectScalar } from 'graphql-scalars';
