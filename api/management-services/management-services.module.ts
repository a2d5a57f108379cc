import { Module } from '@nestjs/common';
import { ManagementServicesController } from './management-services.controller';
import { ManagementServicesService } from './management-services.service';

@Module({ controllers: [ManagementServicesController], providers: [ManagementServicesService] })
export class ManagementServicesModule {}
