global using System.Collections.Immutable;

global using Cybernet.Grains.Interfaces;
global using Cybernet.Grains.Interfaces.Calls;
global using Cybernet.Grains.Interfaces.Contacts;
global using Cybernet.Grains.Interfaces.Offers;
global using Cybernet.Grains.Interfaces.Presence;
global using Cybernet.Grains.Interfaces.Signaling;
global using Cybernet.Grains.Interfaces.Users;

global using Orleans;
