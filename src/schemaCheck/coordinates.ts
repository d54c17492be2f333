import {
  getNullableType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isListType,
  isObjectType,
  type GraphQLSchema,
} from 'graphql';

/** Every schema coordinate of a schema: types, fields, arguments, input fields, enum values. */
export function schemaCoordinates(schema: GraphQLSchema): Set<string> {
  const coordinates = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type)) continue;
    coordinates.add(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        coordinates.add(`${type.name}.${field.name}`);
        for (const arg of field.args) coordinates.add(`${type.name}.${field.name}(${arg.name}:)`);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields()))
        coordinates.add(`${type.name}.${field.name}`);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) coordinates.add(`${type.name}.${value.name}`);
    }
  }
  return coordinates;
}

/** Output fields (`Type.field`) whose type is a list, at any nullability. */
export function listFields(schema: GraphQLSchema): string[] {
  const result: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || !(isObjectType(type) || isInterfaceType(type))) continue;
    for (const field of Object.values(type.getFields())) {
      if (isListType(getNullableType(field.type))) result.push(`${type.name}.${field.name}`);
    }
  }
  return result;
}
