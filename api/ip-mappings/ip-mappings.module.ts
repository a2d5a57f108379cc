import { Module } from '@nestjs/common';
import { IpMappingsController } from './ip-mappings.controller';
import { IpMappingsService } from './ip-mappings.service';

@Module({ controllers: [IpMappingsController], providers: [IpMappingsService] })
export class IpMappingsModule {}
