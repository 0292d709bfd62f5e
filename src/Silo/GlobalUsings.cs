global using Cybernet.Grains.Calls;
global using Cybernet.Grains.Users;

global using Orleans;
global using Orleans.Configuration;
global using Orleans.Hosting;
