import React from 'react';
import { Image, StyleSheet, Text, View } from 'react-native';

export default function App(): React.JSX.Element {
  return (
    <View style={styles.screen}>
      <Image source={require('./assets/logo.png')} style={styles.logo} />
      <Text>Updraft fixture app</Text>
    </View>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1, alignItems: 'center', justifyContent: 'center' },
  logo: { width: 64, height: 64 },
});
